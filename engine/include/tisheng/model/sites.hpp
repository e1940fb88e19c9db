// The places of the two programmes: construction projects (Jiangmen),
// off-project candidate station sites, candidate training bases (Quanzhou)
// and demand points (workers by place and industry). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tisheng/model/calendar.hpp"
#include "tisheng/geo/geo.hpp"
#include "tisheng/model/region.hpp"

namespace tisheng {

enum class ProjectType { housing, municipal };  ///< 房屋建筑 / 市政基础设施
std::string_view to_string(ProjectType t);

/// An active (在建) construction project that may host a station.
struct Project {
    std::string id;
    std::string name;        ///< 项目名称
    std::string enterprise;  ///< 施工企业
    ProjectType type = ProjectType::housing;
    std::string address;
    LonLat pos;              ///< WGS84
    UnitIndex unit = 0;
    Date start;
    Date planned_end;
    int workforce = 0;       ///< workers on site at peak
    double contract_cny = 0;
    std::string contact_name;
    std::string contact_title;  ///< 单位及职务
    std::string mobile;
    friend bool operator==(const Project&, const Project&) = default;
};

/// Off-project sites that can host or share a station.
enum class SiteKind { night_school, model_worker_studio, injury_prevention };
std::string_view to_string(SiteKind k);

struct CandidateSite {
    std::string id;
    std::string name;
    SiteKind kind = SiteKind::night_school;
    std::string address;
    LonLat pos;
    UnitIndex unit = 0;
    double area_m2 = 0;
    int capacity = 0;  ///< trainees a year
    friend bool operator==(const CandidateSite&, const CandidateSite&) = default;
};

/// 属性 on the application form.
enum class BaseAttribute { government, industry, other };  ///< 政府办 / 行业、企业办 / 其它
std::string_view to_string(BaseAttribute a);

/// A candidate for a Quanzhou training base, with the form's attributes.
struct CandidateBase {
    std::string id;
    std::string name;
    BaseAttribute attribute = BaseAttribute::industry;
    char category = 'A';     ///< A production/smart manufacturing .. D other
    std::string industry;    ///< industry key, e.g. "ceramics"
    std::string address;
    LonLat pos;
    UnitIndex unit = 0;
    int annual_trainees = 0;
    double senior_share = 0;  ///< share at senior-worker level or above
    int equipment_sets = 0;
    bool recognised = false;  ///< already a recognised public / high-skill / provincial base
    bool existing = true;     ///< track: strengthen an existing site (true) or build new
    std::string head_name;
    std::string head_id_number;
    std::string phone;  ///< the head's mobile (手机)
    // The rest of the application form (申报表); optional columns of the
    // bases layer, blank when absent.
    std::string postcode;           ///< 邮政编码
    std::string website;            ///< 网址
    std::string head_title;         ///< 负责人 部门及职务
    std::string head_education;     ///< 负责人 学历
    std::string head_office_phone;  ///< 负责人 办公室电话
    std::string head_fax;           ///< 负责人 传真
    std::string contact_name;       ///< 联系人 姓名
    std::string contact_mobile;     ///< 联系人 手机
    std::string bank_account;       ///< 资金账号
    std::string bank_name;          ///< 开户银行
    std::string supervisor;         ///< 项目单位主管部门
    std::string management;         ///< 规范管理
    std::string training_capacity;  ///< 培训能力
    std::string teaching_staff;     ///< 师资队伍
    std::string school_enterprise;  ///< 校企合作
    friend bool operator==(const CandidateBase&, const CandidateBase&) = default;
};

/// Workers at a place, of an industry ("construction" on Jiangmen projects).
struct DemandPoint {
    std::string id;
    LonLat pos;
    UnitIndex unit = 0;
    std::string industry;
    int workers = 0;
    friend bool operator==(const DemandPoint&, const DemandPoint&) = default;
};

struct Sites {
    std::vector<Project> projects;
    std::vector<CandidateSite> stations;
    std::vector<CandidateBase> bases;
    std::vector<DemandPoint> demand;
};

}  // namespace tisheng
